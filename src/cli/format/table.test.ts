import { describe, expect, it } from 'vitest';
import { table } from './table.ts';

describe('a plain-text table', () => {
  it('aligns columns to their widest cell, two spaces apart, without trailing spaces', () => {
    expect(table(['RING', 'USERS', 'WAITS'], [['ring-0', '0%', '-'], ['ring-10', '100%', 'approval']])).toBe(
      ['RING     USERS  WAITS', 'ring-0   0%     -', 'ring-10  100%   approval', ''].join('\n'),
    );
  });

  it('treats a missing cell as empty', () => {
    expect(table(['A', 'B', 'C'], [['x'], ['y', 'long', 'z']])).toBe(['A  B     C', 'x', 'y  long  z', ''].join('\n'));
  });

  it('prints only the header when there are no rows', () => {
    expect(table(['NAME', 'VALUE'], [])).toBe('NAME  VALUE\n');
  });
});
