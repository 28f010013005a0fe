-- Asymmetric signatures (issue 16, DESIGN §3): an endpoint signs with `v1` (HMAC-SHA256, a shared
-- `whsec_` secret; the default) or `v1a` (ed25519: a `whsk_` private key that never leaves Herald,
-- verified with its `whpk_` public key). The keys themselves stay in webhook_endpoint_secrets,
-- encrypted as before; each key's plaintext carries its scheme in its prefix, so a rotation that
-- switches scheme keeps the previous keys signing in their own scheme during the overlap. This
-- column is the scheme of the current key, the one new keys are made in.
alter table webhook_endpoints add column if not exists signature_scheme text not null default 'v1'
  check (signature_scheme in ('v1', 'v1a'));
