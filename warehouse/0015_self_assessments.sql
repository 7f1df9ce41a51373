-- Self-assessed DTI components (tự đánh giá): per unit, assessment year (period_month
-- = 1 January of it) and component, the unit's own score, the appraisal council's and
-- the final score kept apart, or a raw value the component's rule scores; with the
-- evidence link. Uniqueness is a validation rule, as for the other sources.
create table if not exists raw.self_assessments (
    agency_code text not null,
    agency_name text,
    methodology_id text not null,
    component_code text not null,
    self_points numeric,
    appraisal_points numeric,
    final_points numeric,
    raw_numerator numeric,
    raw_denominator numeric,
    evidence_url text,
    period_month date not null,
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    _loaded_at timestamptz not null default now()
);

create table if not exists quarantine.self_assessments (
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    record jsonb not null,
    failures jsonb not null,
    _quarantined_at timestamptz not null default now(),
    primary key (_batch_id, _row_number)
);

grant select, insert, delete on raw.self_assessments, quarantine.self_assessments to loader;
grant select on raw.self_assessments, quarantine.self_assessments to transformer;
