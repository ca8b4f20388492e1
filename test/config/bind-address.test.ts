import { describe, expect, it } from 'vitest';
import { bindRefusal, isLoopbackHost } from '../../src/config/bind-address.js';

describe('isLoopbackHost', () => {
  it('accepts loopback names and addresses only', () => {
    for (const host of ['127.0.0.1', '127.255.0.9', 'localhost', 'LOCALHOST', 'api.localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '192.168.0.2', 'example.com', 'localhost.example.com', '::ffff:10.0.0.1', '', '1.127.0.0']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('says why a host is refused and what to do', () => {
    expect(bindRefusal('127.0.0.1')).toBeUndefined();
    expect(bindRefusal('0.0.0.0')).toMatch(/^refusing to listen on 0\.0\.0\.0: it is not a loopback address and no authentication is configured .*Use 127\.0\.0\.1 or ::1/);
  });
});
