/** @module Tests of PromQL templates: variables, escaping (hostile label values cannot change the
 * query), durations.
 */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { escapeRegex, escapeString, promDuration, renderTemplate, templateVariables } from './template.ts';

const ERROR_RATE =
  'sum(rate(http_requests_total{region="{{region}}",code=~"5.."}[{{interval}}])) / sum(rate(http_requests_total{region="{{region}}"}[{{interval}}]))';

describe('promDuration', () => {
  it('writes whole units, largest first', () => {
    expect(promDuration(5 * 60_000)).toBe('5m');
    expect(promDuration(3_600_000)).toBe('1h');
    expect(promDuration(90 * 60_000)).toBe('1h30m');
    expect(promDuration(50 * 60_000)).toBe('50m');
    expect(promDuration(86_400_000 + 3_600_000)).toBe('1d1h');
    expect(promDuration(23 * 3_600_000 + 50 * 60_000)).toBe('23h50m');
    expect(promDuration(61_500)).toBe('1m1s500ms');
  });

  it('refuses zero, negative and non-finite durations', () => {
    expect(() => promDuration(0)).toThrow('longer than 0 ms');
    expect(() => promDuration(-5)).toThrow('longer than 0 ms');
    expect(() => promDuration(Number.NaN)).toThrow('longer than 0 ms');
  });
});

describe('renderTemplate', () => {
  it('fills in region and interval', () => {
    expect(renderTemplate(ERROR_RATE, { region: 'ap-south-1', interval: 300_000 })).toBe(
      'sum(rate(http_requests_total{region="ap-south-1",code=~"5.."}[5m])) / sum(rate(http_requests_total{region="ap-south-1"}[5m]))',
    );
  });

  it('renders an hour bucket as [1h]', () => {
    expect(renderTemplate('avg_over_time(x{region="{{region}}"}[{{interval}}])', { region: 'eu', interval: 3_600_000 })).toBe('avg_over_time(x{region="eu"}[1h])');
  });

  it('fills in ring, version and a single cluster', () => {
    const t = 'x{ring="{{ring}}", version="{{ version }}", cluster="{{cluster}}"}';
    expect(renderTemplate(t, { ring: 'ring-1', version: 'v2.1.0', clusters: ['ap-1'] })).toBe('x{ring="ring-1", version="v2.1.0", cluster="ap-1"}');
  });

  it('cannot be escaped from by a hostile region name', () => {
    const hostile = 'x"} or vector(0) or up{a="\\\nb';
    const q = renderTemplate('up{region="{{region}}"}', { region: hostile });
    expect(q).toBe('up{region="x\\"} or vector(0) or up{a=\\"\\\\\\nb"}');
    // The string literal still ends at the last quote: exactly two unescaped quotes remain.
    const unescapedQuotes = [...q.matchAll(/(?<!\\)(?:\\\\)*"/g)].length;
    expect(unescapedQuotes).toBe(2);
    expect(q).not.toContain('\n');
  });

  it('escapes for the quote the template uses', () => {
    expect(renderTemplate("up{region='{{region}}'}", { region: `it's "x"` })).toBe(`up{region='it\\'s "x"'}`);
  });

  it('escapes control characters', () => {
    expect(escapeString('a\tb\rc\u0001', '"')).toBe('a\\tb\\rc\\x01');
  });

  it('escapes regex metacharacters after =~ so a value matches only itself', () => {
    expect(renderTemplate('up{region=~"{{region}}"}', { region: 'eu.west|.*' })).toBe('up{region=~"eu\\\\.west\\\\|\\\\.\\\\*"}');
    expect(escapeRegex('a+b(c)[d]{e}^$?\\')).toBe('a\\+b\\(c\\)\\[d\\]\\{e\\}\\^\\$\\?\\\\');
  });

  it('matches every cluster of a region with =~ and refuses = for several', () => {
    expect(renderTemplate('up{cluster=~"{{cluster}}"}', { region: 'eu', clusters: ['eu-1', 'eu.2'] })).toBe('up{cluster=~"(?:eu-1|eu\\\\.2)"}');
    expect(() => renderTemplate('up{cluster="{{cluster}}"}', { region: 'eu', clusters: ['eu-1', 'eu-2'] })).toThrow(
      '{{cluster}} stands for 2 clusters (eu-1, eu-2) of region eu: match them with cluster=~"{{cluster}}"',
    );
  });

  it('refuses a label value outside a quoted string', () => {
    expect(() => renderTemplate('up{region={{region}}}', { region: 'eu' })).toThrow('{{region}} must stand inside a quoted label value, e.g. region="{{region}}"');
  });

  it('refuses a label value inside a backtick string, which cannot escape', () => {
    expect(() => renderTemplate('up{region=`{{region}}`}', { region: 'eu' })).toThrow('backtick');
  });

  it('names an unknown variable and the known ones', () => {
    let error: unknown;
    try {
      renderTemplate('up{region="{{regoin}}"}', { region: 'eu' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).message).toBe('{{regoin}} is not a template variable (use {{region}}, {{cluster}}, {{ring}}, {{version}}, {{interval}})');
    expect((error as AdapterError).retryable).toBe(false);
  });

  it('says when a variable the query needs has no value', () => {
    expect(() => renderTemplate('up{version="{{version}}"}', { version: '' })).toThrow('{{version}} is used but no version is known for this query');
    expect(() => renderTemplate('rate(x[{{interval}}])', {})).toThrow('{{interval}} is used but no interval was given');
  });

  it('keeps escaped quotes of the template itself inside the string', () => {
    expect(renderTemplate('label_replace(up, "a", "\\"{{region}}\\"", "", "")', { region: 'e"u' })).toBe('label_replace(up, "a", "\\"e\\"u\\"", "", "")');
  });

  it('refuses a template that ends inside a string', () => {
    expect(() => renderTemplate('up{region="{{region}}}', { region: 'eu' })).toThrow('ends inside a string');
  });

  it('lists the variables a template uses', () => {
    expect(templateVariables(ERROR_RATE)).toEqual(['region', 'interval']);
  });
});
