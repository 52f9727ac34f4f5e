/**
 * A software WebAuthn authenticator for tests that run without a browser: an ES256
 * (P-256) key, "none" attestation, a signature counter the test controls. It answers
 * the options tollgate gives out with the JSON a browser's `PublicKeyCredential.toJSON()`
 * would produce, built byte for byte as the WebAuthn spec lays it out (authenticator
 * data, COSE key, CBOR attestation object, DER signature over authData ‖ SHA-256 of the
 * client data). `clone()` copies the key and counter into a second device, as an attacker
 * who extracted the key would.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

type CBORType = Parameters<typeof isoCBOR.encode>[0];

const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

export interface SoftAuthenticatorOptions {
  origin: string;
  /** Default: the rp id of the options answered. */
  rpId?: string;
  /** Starting signature counter (default 0); each assertion adds `step`. */
  counter?: number;
  /** 0: an authenticator without a counter (default 1). */
  step?: number;
  userVerified?: boolean;
  /** A synced passkey (backup eligible and backed up). Default true. */
  backedUp?: boolean;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export interface Overrides {
  origin?: string;
  challenge?: string;
  rpId?: string;
  userVerified?: boolean;
  /** Use this counter for this assertion (and keep it). */
  counter?: number;
  type?: string;
  /** Made in a frame: `crossOrigin: true`, with the framing page as `topOrigin` when given. */
  topOrigin?: string | null;
}

export class SoftAuthenticator {
  readonly credentialId: Uint8Array;
  readonly #privateKey: KeyObject;
  readonly #publicJwk: { x: string; y: string };
  counter: number;
  userHandle: string | undefined;
  readonly #options: Required<Omit<SoftAuthenticatorOptions, 'rpId' | 'counter'>> & { rpId?: string };

  constructor(options: SoftAuthenticatorOptions, key?: { privateKey: KeyObject; credentialId: Uint8Array }) {
    const pair = key ? undefined : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#privateKey = key?.privateKey ?? pair!.privateKey;
    this.credentialId = key?.credentialId ?? new Uint8Array(randomBytes(16));
    const jwk = this.#privateKey.export({ format: 'jwk' }) as { x: string; y: string };
    this.#publicJwk = { x: jwk.x, y: jwk.y };
    this.counter = options.counter ?? 0;
    this.#options = {
      origin: options.origin,
      step: options.step ?? 1,
      userVerified: options.userVerified ?? true,
      backedUp: options.backedUp ?? true,
      ...(options.rpId ? { rpId: options.rpId } : {}),
    };
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  /** A second device holding the same key, id and counter (a cloned authenticator). */
  clone(): SoftAuthenticator {
    const twin = new SoftAuthenticator(
      { ...this.#options, counter: this.counter },
      { privateKey: this.#privateKey, credentialId: this.credentialId },
    );
    twin.userHandle = this.userHandle;
    return twin;
  }

  #flags(userVerified: boolean, extra = 0): number {
    return UP | (userVerified ? UV : 0) | (this.#options.backedUp ? BE | BS : 0) | extra;
  }

  #clientData(type: string, challenge: string, origin: string, topOrigin?: string | null): string {
    if (topOrigin === undefined) return JSON.stringify({ type, challenge, origin, crossOrigin: false });
    return JSON.stringify({
      type,
      challenge,
      origin,
      crossOrigin: true,
      ...(topOrigin ? { topOrigin } : {}),
    });
  }

  #authData(rpId: string, flags: number, counter: number, attested?: Uint8Array): Buffer {
    const head = Buffer.alloc(37);
    sha256(rpId).copy(head, 0);
    head[32] = flags;
    head.writeUInt32BE(counter >>> 0, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }

  /** Answers registration options (navigator.credentials.create). */
  create(options: CreationOptions, overrides: Overrides = {}): Record<string, unknown> {
    const rpId = overrides.rpId ?? this.#options.rpId ?? options.rp.id!;
    this.userHandle = options.user.id;
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, new Uint8Array(Buffer.from(this.#publicJwk.x, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(this.#publicJwk.y, 'base64url'))],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, cose]);
    const authData = this.#authData(
      rpId,
      this.#flags(overrides.userVerified ?? this.#options.userVerified, AT),
      this.counter,
      attested,
    );
    const attestation = new Map<string, CBORType>();
    attestation.set('fmt', 'none');
    attestation.set('attStmt', new Map<string, CBORType>());
    attestation.set('authData', new Uint8Array(authData));
    const attestationObject = isoCBOR.encode(attestation);
    const clientDataJSON = this.#clientData(
      overrides.type ?? 'webauthn.create',
      overrides.challenge ?? options.challenge,
      overrides.origin ?? this.#options.origin,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: Buffer.from(clientDataJSON).toString('base64url'),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** Answers authentication options (navigator.credentials.get); the counter moves by `step`. */
  get(options: RequestOptions, overrides: Overrides = {}): Record<string, unknown> {
    const rpId = overrides.rpId ?? this.#options.rpId ?? options.rpId!;
    this.counter = overrides.counter ?? this.counter + this.#options.step;
    const authData = this.#authData(
      rpId,
      this.#flags(overrides.userVerified ?? this.#options.userVerified),
      this.counter,
    );
    const clientDataJSON = this.#clientData(
      overrides.type ?? 'webauthn.get',
      overrides.challenge ?? options.challenge,
      overrides.origin ?? this.#options.origin,
      overrides.topOrigin,
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.#privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: Buffer.from(clientDataJSON).toString('base64url'),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }
}
