// The caller's organization: its tenant (GET /v1/tenant), its members, the caller itself
// (GET /v1/me, POST /v1/me/password) and its audit log.
import { AuditEntry, presentAuditEntry } from '../../presenters/audit.ts';
import { Me, Member, presentMe, presentMember, presentTenantInfo, TenantInfo } from '../../presenters/tenants.ts';
import { listAudit } from '../../services/audit.ts';
import { addMember, changeMemberRole, changeOwnPassword, listMembersOf, me, removeMember } from '../../services/members.ts';
import { LIMITS, rateLimit } from '../../services/rateLimits.ts';
import { tenantOf } from '../../services/tenants.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { MemberPatch, NewMember, PasswordChange } from '../schemas/tenants.ts';
import { route } from '../route.ts';

const anyone = { role: 'viewer' } as const;
const admins = { role: 'admin' } as const;
const owners = { role: 'owner' } as const;

export const memberRoutes = [
  route({
    method: 'get', path: '/v1/tenant', summary: 'The caller\'s tenant, organization, mode and role', tag: 'tenant', access: anyone,
    response: { status: 200, schema: TenantInfo },
    handle: async ({ auth, services }) => ({ status: 200, body: presentTenantInfo(await tenantOf(services, auth)) }),
  }),
  route({
    method: 'get', path: '/v1/members', summary: 'List the members of the caller\'s organization', tag: 'members', access: admins, query: ListQuery,
    response: { status: 200, schema: listOf(Member) },
    handle: async ({ query, auth, services }) => {
      const rows = await listMembersOf(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentMember, (m) => m.user_id) };
    },
  }),
  route({
    method: 'post', path: '/v1/members', summary: 'Add an existing user to the organization by email, or create one with a password', tag: 'members',
    access: owners, body: NewMember, response: { status: 201, schema: Member }, errors: [409, 422],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentMember(await addMember(services, auth, body)) }),
  }),
  route({
    method: 'patch', path: '/v1/members/:user_id', summary: 'Change a member\'s role (the organization keeps an owner)', tag: 'members',
    access: owners, body: MemberPatch, response: { status: 200, schema: Member }, errors: [409],
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentMember(await changeMemberRole(services, auth, params.user_id, body.role)) }),
  }),
  route({
    method: 'delete', path: '/v1/members/:user_id', summary: 'Remove a member (its tokens stop working at once)', tag: 'members',
    access: owners, response: { status: 204 }, errors: [409],
    handle: async ({ params, auth, services }) => {
      await removeMember(services, auth, params.user_id);
      return { status: 204 };
    },
  }),
  route({
    method: 'get', path: '/v1/me', summary: 'The caller: a user and its memberships, or an API key', tag: 'me', access: anyone,
    response: { status: 200, schema: Me },
    handle: async ({ auth, services }) => ({ status: 200, body: presentMe(await me(services, auth)) }),
  }),
  route({
    method: 'post', path: '/v1/me/password', summary: 'Change the user\'s password (ends the user\'s other tokens and sessions)', tag: 'me',
    access: anyone, body: PasswordChange, response: { status: 204 }, errors: [422, 429],
    handle: async ({ body, auth, services }) => {
      if (auth.userId) await rateLimit(services, LIMITS.login, `user:${auth.userId}`);
      await changeOwnPassword(services, auth, body);
      return { status: 204 };
    },
  }),
  route({
    method: 'get', path: '/v1/audit-log', summary: 'The organization\'s audit log: who did what to keys, members, endpoint secrets, replays and settings', tag: 'audit-log',
    access: admins, query: ListQuery, response: { status: 200, schema: listOf(AuditEntry) },
    handle: async ({ query, auth, services }) => {
      const rows = await listAudit(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentAuditEntry) };
    },
  }),
];
