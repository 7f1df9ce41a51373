-- The components a self-assessment sheet may give, as the loader sees them: refreshed
-- from the methodology seeds before each load (like meta.agencies), so a row naming a
-- component its methodology does not self-assess, or a methodology not valid for the
-- row's year, is quarantined instead of loading and never being scored.
create table if not exists meta.methodology_components (
    methodology_id text not null,
    component_code text not null,
    valid_from_year integer not null,
    valid_to_year integer,
    primary key (methodology_id, component_code)
);

grant select, insert, delete on meta.methodology_components to loader;
grant select on meta.methodology_components to transformer;
