// Inputs of the operator routes (/admin/v1) and the CLI's operator commands, and of API keys and logins.
import { z } from 'zod';
import { normalizeDomain } from '../../net/host.ts';
import { Mode, Role, Uuid } from './common.ts';

const Slug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and inner hyphens, at most 63');
export const NewTenant = z.strictObject({ name: z.string().trim().min(1).max(200), slug: Slug.optional() }).meta({ id: 'NewTenant' });
export const TenantPatch = z.strictObject({
  status: z.enum(['active', 'suspended']).optional(),
  api_rate_limit: z.number().int().min(1).max(1_000_000).optional()
    .describe('Requests per second the tenant\'s credentials may make to /v1, across every API process (default 1000)'),
}).refine((patch) => patch.status !== undefined || patch.api_rate_limit !== undefined, 'give status, api_rate_limit or both').meta({ id: 'TenantPatch' });
export const NewOrganization = z.strictObject({ name: z.string().trim().min(1).max(200) }).meta({ id: 'NewOrganization' });
const Email = z.email().max(320);
const Password = z.string().min(12).max(1024);
export const NewUser = z.strictObject({ email: Email, password: Password }).meta({ id: 'NewUser' });
export const NewMembership = z.strictObject({ user_id: Uuid, org_id: Uuid, role: Role }).meta({ id: 'NewMembership' });

const KeyKind = z.enum(['secret', 'publishable']);

export const NewTenantKey = z.strictObject({
  org_id: Uuid, mode: Mode, kind: KeyKind, role: Role.optional(), name: z.string().max(200).optional(),
}).meta({ id: 'NewTenantKey' });

export const NewApiKey = z.strictObject({
  name: z.string().max(200).optional(),
  mode: Mode,
  kind: KeyKind,
  role: Role.optional().describe('For secret keys; at most the creator\'s role. Defaults to viewer.'),
}).meta({ id: 'NewApiKey' });

export const LoginRequest = z.strictObject({
  email: Email, password: z.string().min(1).max(1024), tenant_id: Uuid, org_id: Uuid, mode: Mode.default('live'),
}).meta({ id: 'LoginRequest', description: 'A login; or send no body and a secret key as Authorization: Bearer' });

/** A host name of two or more labels (not an IP, no port, no wildcard); case and one trailing dot
 * are ignored, internationalised names are kept in their ASCII (xn--) form. */
export const DomainName = z.string().max(300)
  .refine((name) => normalizeDomain(name) !== undefined, 'expected a host name such as shop.example.com (no scheme, port, path, wildcard or IP address)')
  .transform((name) => normalizeDomain(name)!);

export const NewDomain = z.strictObject({ domain: DomainName }).meta({ id: 'NewDomain' });

export const NewMember = z.strictObject({
  email: Email,
  role: Role.describe('At most your own role'),
  password: Password.optional().describe('Creates the user with this password; an existing email with a password is a 409'),
}).meta({ id: 'NewMember' });
export const MemberPatch = z.strictObject({ role: Role.describe('At most your own role') }).meta({ id: 'MemberPatch' });
export const PasswordChange = z.strictObject({ current_password: z.string().min(1).max(1024), new_password: Password }).meta({ id: 'PasswordChange' });
