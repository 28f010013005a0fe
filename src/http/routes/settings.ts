import { getSettings, updateSettings } from '../../services/settings.ts';
import { presentSettings, Settings } from '../../presenters/settings.ts';
import { SettingsPatch } from '../schemas/settings.ts';
import { route } from '../route.ts';

const tag = 'settings';

export const settingsRoutes = [
  route({
    method: 'get', path: '/v1/settings', summary: 'The shop\'s settings in this mode', tag, access: { role: 'viewer' },
    response: { status: 200, schema: Settings },
    handle: async ({ auth, services }) => ({ status: 200, body: presentSettings(await getSettings(services, auth)) }),
  }),
  route({
    method: 'patch', path: '/v1/settings', summary: 'Change the shop\'s settings in this mode (JSON merge patch; admins)', tag, access: { role: 'admin' },
    body: SettingsPatch, response: { status: 200, schema: Settings },
    handle: async ({ body, auth, services }) => ({ status: 200, body: presentSettings(await updateSettings(services, auth, body)) }),
  }),
];
