/** STS's trust evaluation lives in the domain (the credential invariant uses it too). */
export { trustAllows, type AssumeRequest } from '../domain/trust-evaluation.js';
