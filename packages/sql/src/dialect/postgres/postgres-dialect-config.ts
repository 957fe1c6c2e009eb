/** Options of the PostgreSQL dialect. */
export interface PostgresDialectConfig {
  /**
   * The server's `server_version_num` (e.g. 160004). Version differences are
   * decided here and nowhere else. Default: 160000, the rules of PostgreSQL 16+.
   */
  serverVersionNum?: number;
}

/** The oldest and newest majors Tenantry is tested against. */
export const SUPPORTED_POSTGRES_MAJORS = [14, 15, 16, 17, 18] as const;
