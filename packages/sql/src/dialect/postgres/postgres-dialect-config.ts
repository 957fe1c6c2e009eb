/** The oldest and newest majors Tenantry is tested against. */
export const SUPPORTED_POSTGRES_MAJORS = [14, 15, 16, 17, 18] as const;

/**
 * `GRANT role TO r WITH SET ..., INHERIT ...` is understood, and CREATEROLE
 * drops only roles it holds ADMIN OPTION on: PostgreSQL 16 and later.
 */
export function hasRoleGrantOptions(serverVersionNum: number): boolean {
  return serverVersionNum >= 160000;
}

/** A new database's `public` schema already denies CREATE to PUBLIC: PostgreSQL 15 and later. */
export function publicSchemaLockedByDefault(serverVersionNum: number): boolean {
  return serverVersionNum >= 150000;
}

/**
 * The admin role when it is not superuser: such an admin borrows a tenant
 * role's privileges for the statements that need them (DROP OWNED BY, ending
 * its sessions). Undefined for a superuser.
 */
export function nonSuperuserAdmin(facts: { isSuperuser: boolean; adminRole: string }): string | undefined {
  return facts.isSuperuser ? undefined : facts.adminRole;
}
