import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { isCertificateError, recordTlsSession, tlsFailureResult, tlsSessionCounts, utcDay } from './tls-report.js';

const DAY1 = Date.UTC(2024, 4, 1, 23, 59, 0);
const DAY2 = Date.UTC(2024, 4, 2, 0, 0, 1);

describe('TLS-RPT counters', () => {
  let store: TempStore;
  beforeEach(() => (store = makeTempStore()));
  afterEach(() => store.cleanup());

  it('counts sessions per UTC day, domain, type, result, MX and IP', () => {
    const base = { policyDomain: 'Example.com', policyType: 'sts', mx: 'MX1.example.com.', ip: '192.0.2.1' } as const;
    recordTlsSession(store.db, { ...base, at: DAY1, result: 'success' });
    recordTlsSession(store.db, { ...base, at: DAY1, result: 'success' });
    recordTlsSession(store.db, { ...base, at: DAY1, result: 'certificate-expired' });
    recordTlsSession(store.db, { ...base, at: DAY2, result: 'success' });
    const noPolicy = { policyDomain: 'other.test', policyType: 'no-policy-found' } as const;
    recordTlsSession(store.db, { ...noPolicy, at: DAY1, result: 'success' });
    const stored = { policyDomain: 'example.com', policyType: 'sts', mx: 'mx1.example.com', ip: '192.0.2.1' };
    assert.deepEqual(tlsSessionCounts(store.db, '2024-05-01'), [
      { ...stored, result: 'certificate-expired', count: 1 },
      { ...stored, result: 'success', count: 2 },
      { policyDomain: 'other.test', policyType: 'no-policy-found', result: 'success', mx: '', ip: '', count: 1 },
    ]);
    assert.equal(tlsSessionCounts(store.db, '2024-05-02').length, 1);
    assert.deepEqual(tlsSessionCounts(store.db, '2024-05-03'), []);
  });

  it('names days in UTC', () => {
    assert.equal(utcDay(DAY1), '2024-05-01');
    assert.equal(utcDay(DAY2), '2024-05-02');
  });
});

describe('tlsFailureResult', () => {
  it('maps Node certificate errors to RFC 8460 result types', () => {
    const cases: Array<[string, string]> = [
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'certificate-host-mismatch'],
      ['CERT_HAS_EXPIRED', 'certificate-expired'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'certificate-not-trusted'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'certificate-not-trusted'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'certificate-not-trusted'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'certificate-not-trusted'],
      ['CERT_NOT_YET_VALID', 'validation-failure'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'validation-failure'],
    ];
    for (const [code, result] of cases) assert.equal(tlsFailureResult({ code, message: 'x' }), result, code);
  });

  it('recognises a missing STARTTLS and defaults to validation-failure', () => {
    assert.equal(tlsFailureResult({ message: 'STARTTLS not offered by the server' }), 'starttls-not-supported');
    assert.equal(tlsFailureResult({ message: 'socket hang up' }), 'validation-failure');
  });

  it('tells certificate errors from others', () => {
    assert.equal(isCertificateError('CERT_HAS_EXPIRED'), true);
    assert.equal(isCertificateError('ECONNRESET'), false);
    assert.equal(isCertificateError('toString'), false);
    assert.equal(isCertificateError(undefined), false);
  });
});
