/** What hosts put in mDNS and how browsers read it: TXT keys, instance names, addresses, bad records. */
import assert from 'node:assert/strict';
import {
  cleanDisplayName,
  encodeHostTxt,
  instanceNameFor,
  isIpLiteral,
  parseSighting,
  pickAddress,
  type HostAdvert,
  type RawSighting,
} from '../../src/core/host-record.js';

const advert: HostAdvert = {
  hostId: '3fa2c1d4e5f60718',
  displayName: 'Living room',
  port: 50007,
  codecs: ['opus', 'pcm'],
  protocolVersion: 2,
  listeners: 3,
  codeRequired: false,
};

function sighting(overrides: Partial<RawSighting> = {}): RawSighting {
  return {
    instanceName: 'Living room (3fa2)',
    port: 50007,
    txt: encodeHostTxt(advert),
    addresses: ['192.168.1.20', 'fe80::1'],
    senderAddress: '192.168.1.20',
    ...overrides,
  };
}

describe('discovery records', () => {
  it('encodes the TXT record with protocol, codecs, name, id, listeners and code', () => {
    assert.deepEqual(encodeHostTxt(advert), { protocol: '2', codecs: 'opus,pcm', name: 'Living room', id: '3fa2c1d4e5f60718', listeners: '3', code: '0' });
  });

  it('round-trips a host through TXT and back', () => {
    const parsed = parseSighting(sighting());
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record, {
      hostId: '3fa2c1d4e5f60718',
      displayName: 'Living room',
      instanceName: 'Living room (3fa2)',
      address: '192.168.1.20',
      addresses: ['192.168.1.20'],
      port: 50007,
      codecs: ['opus', 'pcm'],
      protocolVersion: 2,
      listeners: 3,
      codeRequired: false,
    });
  });

  it('names instances "<name> (<short id>)", so two hosts called the same stay distinct', () => {
    assert.equal(instanceNameFor('Living room', '3fa2c1d4e5f60718'), 'Living room (3fa2)');
    assert.notEqual(instanceNameFor('Living room', '3fa2c1d4e5f60718'), instanceNameFor('Living room', '9b01c1d4e5f60718'));
    assert.equal(instanceNameFor('my.host.name', '3fa2c1d4e5f60718'), 'my-host-name (3fa2)', 'no dots (they split DNS labels)');
    const long = instanceNameFor('Ä'.repeat(60), '3fa2c1d4e5f60718');
    assert.ok(Buffer.byteLength(long) <= 63, `fits one DNS label: ${Buffer.byteLength(long)} bytes`);
    assert.ok(long.endsWith(' (3fa2)'));
  });

  it('strips terminal escapes and control characters from names', () => {
    assert.equal(cleanDisplayName('\u001b[2JEvil\u0007 host\n'), '[2JEvil host');
    const parsed = parseSighting(sighting({ txt: { ...encodeHostTxt(advert), name: '\u001b]0;pwned\u0007Kitchen' } }));
    assert.ok(parsed.ok && !parsed.record.displayName.includes('\u001b'));
  });

  it('rejects bad records with a reason instead of throwing', () => {
    const txt = encodeHostTxt(advert);
    const cases: [Partial<RawSighting>, RegExp][] = [
      [{ port: 0 }, /bad port/],
      [{ port: 70000 }, /bad port/],
      [{ port: '50007' }, /bad port/],
      [{ port: undefined }, /bad port/],
      [{ txt: undefined }, /no TXT/],
      [{ txt: 'garbage' }, /no TXT/],
      [{ txt: [] }, /no TXT/],
      [{ txt: {} }, /no id/],
      [{ txt: { ...txt, id: 'not-hex!' } }, /id/],
      [{ txt: { ...txt, id: true } }, /no id/],
      [{ txt: { ...txt, protocol: 'two' } }, /protocol/],
      [{ txt: { ...txt, name: '' } }, /no name/],
      [{ txt: { ...txt, name: '\u0000\u0001' } }, /no name/],
      [{ addresses: [], senderAddress: undefined }, /no usable address/],
      [{ addresses: ['fe80::1'], senderAddress: undefined }, /no usable address/],
      [{ instanceName: '' }, /instance/],
    ];
    for (const [overrides, pattern] of cases) {
      const parsed = parseSighting(sighting(overrides));
      assert.ok(!parsed.ok, JSON.stringify(overrides));
      assert.match(parsed.reason, pattern, JSON.stringify(overrides));
    }
  });

  it('tolerates optional fields that are missing or odd', () => {
    const { listeners: _l, codecs: _c, code: _code, ...minimal } = encodeHostTxt(advert);
    const parsed = parseSighting(sighting({ txt: { ...minimal, codecs: 'mp3,pcm,pcm' } }));
    assert.ok(parsed.ok);
    assert.deepEqual([parsed.record.listeners, parsed.record.codecs, parsed.record.codeRequired], [0, ['pcm'], false]);
    const weird = parseSighting(sighting({ txt: { ...encodeHostTxt(advert), listeners: '-4' } }));
    assert.ok(weird.ok && weird.record.listeners === 0);
  });

  it('connects by address: the sender when advertised, else IPv4 first, never a scope-less link-local IPv6', () => {
    assert.equal(pickAddress(['fe80::1', '10.0.0.5', '192.168.1.20'], '192.168.1.20'), '192.168.1.20');
    assert.equal(pickAddress(['fe80::1', '2001:db8::5', '10.0.0.5'], '172.16.0.1'), '10.0.0.5', 'a sender not among the addresses (a proxy) is not used');
    assert.equal(pickAddress(['fe80::1', '2001:db8::5'], undefined), '2001:db8::5');
    assert.equal(pickAddress(['fe80::1%eth0'], undefined), 'fe80::1%eth0');
    assert.equal(pickAddress([], '127.0.0.1'), '127.0.0.1', 'a host on loopback advertises no address');
    assert.equal(pickAddress(['fe80::1'], undefined), undefined);
    assert.equal(pickAddress(['not an address'], '10.0.0.1'), '10.0.0.1');
  });

  it('tells addresses from names', () => {
    for (const text of ['192.168.1.2', '::1', 'fe80::1%eth0', '2001:db8::1']) assert.ok(isIpLiteral(text), text);
    for (const text of ['Living room', 'mybox', 'mybox.local', '1.2.3', '300.1.1.1', 'cafe']) assert.ok(!isIpLiteral(text), text);
  });
});
