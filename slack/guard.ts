import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';

interface RequestIdentity {
  team_id?: string;
  team?: { id?: string } | null;
  api_app_id?: string;
}

/**
 * Refuses requests from another workspace or another app before any listener runs. A valid
 * signature only proves the request came from Slack, not that it is meant for this install.
 */
export function requestGuard(allowed: {
  allowedTeamId?: string;
  allowedAppId?: string;
}): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as RequestIdentity;
    const teamId = body.team_id ?? body.team?.id;
    const appId = body.api_app_id;
    let refused: string | undefined;
    if (allowed.allowedTeamId && teamId !== allowed.allowedTeamId) refused = `team ${teamId ?? '(none)'}`;
    else if (allowed.allowedAppId && appId !== allowed.allowedAppId) refused = `app ${appId ?? '(none)'}`;
    if (!refused) {
      await args.next();
      return;
    }
    args.logger.warn(`refused a request from unexpected ${refused}`);
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    if (!ack) return;
    await ack(
      'command' in args ? { response_type: 'ephemeral', text: 'This app does not serve this workspace.' } : undefined,
    );
  };
}
