/**
 * Backups: list, create, and restore as a dry run. A real restore replaces live state and is left
 * to the command line (`bulwark backup restore`), where the service is stopped first.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Backups } from '../../backup/backups.js';
import { BackupError } from '../../backup/errors.js';
import { backupTypes } from '../../backup/manifest.js';
import type { LiveEvents } from '../live-events.js';
import { auditDetail } from '../audit-requests.js';
import { messageOf, problem } from './errors.js';

export interface BackupRoutesOptions {
  backups: Backups;
  events: LiveEvents;
}

const REFUSALS = new Set(['BACKUP_UNSIGNED', 'BACKUP_CORRUPT', 'BACKUP_INCOMPLETE', 'RESTORE_TARGET_UNKNOWN', 'RESTORE_PROVIDER_MISSING']);

const id = z.object({ id: z.string().min(1).max(200) });

export const backupRoutes: FastifyPluginAsyncZod<BackupRoutesOptions> = async (app, { backups, events }) => {
  const tags = ['backups'];
  let creating = false;
  app.get('/api/backups', { config: { permission: 'backups:read' }, schema: { tags, description: 'Backups, newest first' } }, async () => backups.list());

  app.post(
    '/api/backups',
    {
      config: { permission: 'backups:create' },
      schema: {
        tags,
        description: 'Creates a backup now',
        body: z
          .object({ type: z.enum(backupTypes).optional(), tags: z.array(z.string().min(1).max(50)).max(20).optional(), description: z.string().max(500).optional() })
          .strict()
          .default({}),
      },
    },
    async (request, reply) => {
      // One backup at a time over the API: each copies every database and file, and a queue of them is a disk-filling attack.
      if (creating) return problem(reply, 409, 'a backup is already being created through the API; wait for it to finish');
      creating = true;
      try {
        const manifest = await backups.create(request.body);
        events.record('operator', 'backups', `backup ${manifest.id} created`);
        auditDetail(request, { target: manifest.id, after: { backup: manifest.id, type: manifest.type } });
        return reply.code(201).send(manifest);
      } catch (error) {
        if (error instanceof RangeError || error instanceof TypeError) return problem(reply, 400, messageOf(error));
        throw error;
      } finally {
        creating = false;
      }
    },
  );

  app.post(
    '/api/backups/:id/restore',
    {
      config: { permission: 'backups:restore' },
      schema: {
        tags,
        params: id,
        description: 'What a restore would change (dry run only over HTTP)',
        body: z.object({ dryRun: z.literal(true, 'restore over HTTP is dry-run only; run `bulwark backup restore` with the service stopped') }).strict(),
      },
    },
    async (request, reply) => {
      try {
        await backups.get(request.params.id);
      } catch (error) {
        return problem(reply, 404, messageOf(error));
      }
      try {
        const plan = await backups.restore(request.params.id, { dryRun: true });
        auditDetail(request, { after: { dryRun: true } });
        return plan;
      } catch (error) {
        // A backup that must not be restored (edited, unsigned, damaged, no target here) is a conflict with its state, not a server fault.
        if (error instanceof BackupError && REFUSALS.has(error.code)) return problem(reply, 409, messageOf(error));
        throw error;
      }
    },
  );
};
