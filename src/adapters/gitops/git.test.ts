import { describe, expect, it } from 'vitest';
import { Git } from './git.ts';

describe('running git', () => {
  it('says a working directory is missing rather than blaming git', async () => {
    await expect(new Git({ ...process.env }).run(['status'], '/nonexistent/meridian/clone')).rejects.toThrow('git status: the directory /nonexistent/meridian/clone does not exist');
  });

  it('says git is not installed when it is not on the PATH', async () => {
    await expect(new Git({ PATH: '/nonexistent' }).run(['status'], '/')).rejects.toThrow('git is not installed (no git on the PATH)');
  });
});
