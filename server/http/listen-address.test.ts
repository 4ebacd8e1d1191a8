import { describe, expect, it } from 'vitest';
import { describeListenAddress } from './listen-address';

describe('the address the startup line names', () => {
  it('says when the server listens on every interface', () => {
    expect(describeListenAddress({ address: '0.0.0.0', family: 'IPv4', port: 5555 })).toEqual({ description: '0.0.0.0:5555 (all interfaces)', loopback: false, urlHost: 'localhost' });
    expect(describeListenAddress({ address: '::', family: 'IPv6', port: 5555 })).toMatchObject({ description: '[::]:5555 (all interfaces)', loopback: false });
  });

  it('names a loopback or a single interface as it is', () => {
    expect(describeListenAddress({ address: '127.0.0.1', family: 'IPv4', port: 5600 })).toEqual({ description: '127.0.0.1:5600 (this machine only)', loopback: true, urlHost: '127.0.0.1' });
    expect(describeListenAddress({ address: '::1', family: 'IPv6', port: 5600 })).toEqual({ description: '[::1]:5600 (this machine only)', loopback: true, urlHost: '[::1]' });
    expect(describeListenAddress({ address: '10.1.2.3', family: 'IPv4', port: 5600 })).toEqual({ description: '10.1.2.3:5600', loopback: false, urlHost: '10.1.2.3' });
  });
});
