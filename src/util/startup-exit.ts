/** Start-up stops with exit status 1; the reason is already logged (Redis's plain exit(1)). */
export class StartupExit extends Error {}
