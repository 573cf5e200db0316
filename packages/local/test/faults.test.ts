import { describe, expect, it } from 'vitest';
import { type FaultPoint, parseFault, readFault } from '../src/runtime/faults.js';

describe('fault hook: parsing', () => {
  it.each([
    ['handled:25', { point: 'handled', scope: undefined, prefix: undefined, count: 25 }],
    [
      'handled:aggregate:12',
      { point: 'handled', scope: 'aggregate', prefix: undefined, count: 12 },
    ],
    ['ack:aggregate:7', { point: 'ack', scope: 'aggregate', prefix: undefined, count: 7 }],
    ['put:3', { point: 'put', scope: undefined, prefix: undefined, count: 3 }],
    ['put:reports:2', { point: 'put', scope: 'reports', prefix: undefined, count: 2 }],
    ['put:reports:files/:2', { point: 'put', scope: 'reports', prefix: 'files/', count: 2 }],
  ])('reads %s', (spec, want) => {
    expect(parseFault(spec)).toEqual(want);
  });

  it.each([
    ['crash:3', /CLOUDPORT_FAULT="crash:3" names no fault point "crash"/],
    ['handled:reports:files/:2', /"handled:reports:files\/:2" has too many parts: handled takes/],
    ['ack:a:b:1', /"ack:a:b:1" has too many parts/],
    ['put:reports:files/:x:2', /"put:reports:files\/:x:2" has too many parts/],
    ['handled::3', /"handled::3" has an empty segment/],
    ['ack:aggregate:0', /"ack:aggregate:0" ends in "0", not a count of at least 1/],
    ['put:reports:soon', /"put:reports:soon" ends in "soon"/],
    ['handled', /"handled" ends in "", not a count/],
    ['put:1.5', /"put:1.5" ends in "1.5"/],
  ])('refuses %s with INVALID_CONFIG naming the value', (spec, message) => {
    expect(() => parseFault(spec)).toThrow(message);
    expect(() => parseFault(spec)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});

describe('fault hook: counting', () => {
  function hook(spec: string) {
    const kills: number[] = [];
    let passes = 0;
    const fault = readFault({ CLOUDPORT_FAULT: spec }, () => kills.push(passes));
    const pass = (point: FaultPoint, scope?: string, key?: string) => {
      passes += 1;
      fault.pass(point, scope, key);
    };

    return { pass, kills };
  }

  it('counts only the named function at handled and ack', () => {
    const { pass, kills } = hook('ack:aggregate:2');
    pass('ack', 'reject');
    pass('ack', 'aggregate');
    pass('handled', 'aggregate');
    pass('ack', 'reject');
    pass('ack', 'aggregate');

    expect(kills).toEqual([5]);
  });

  it('counts every function when none is named', () => {
    const { pass, kills } = hook('handled:2');
    pass('handled', 'reject');
    pass('handled', 'aggregate');

    expect(kills).toEqual([2]);
  });

  it('counts only writes in the bucket, under the prefix, at put', () => {
    const { pass, kills } = hook('put:reports:files/:2');
    pass('put', 'reports', 'work/a.json');
    pass('put', 'uploads', 'files/a.json');
    pass('put', 'reports', 'files/a.json');
    pass('put', 'reports', 'files/b.json');

    expect(kills).toEqual([4]);
  });

  it('does nothing without the variable', () => {
    const kills: string[] = [];
    const fault = readFault({}, () => kills.push('killed'));
    fault.pass('handled', 'aggregate');

    expect(kills).toEqual([]);
  });
});
