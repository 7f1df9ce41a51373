-- Least privilege on the warehouse database: PUBLIC (every login, BI included) may
-- not create temporary tables; the roles that need them for loads and dbt's
-- incremental models get them by name.
do $$
begin
    execute format('revoke temporary on database %I from public', current_database());
    execute format('grant temporary on database %I to loader, transformer', current_database());
end
$$;

-- Nothing in the public schema is for anyone but its owner.
revoke all on schema public from public;
