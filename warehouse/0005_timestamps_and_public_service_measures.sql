-- Timestamps as agencies write them, and the optional public-service measures.

-- 'dd/mm/yyyy[ hh:mi[:ss]]' (Vietnamese exports) or ISO 8601 with or without an
-- offset; a time without an offset is Vietnam time (Asia/Ho_Chi_Minh, UTC+7).
create or replace function meta.parse_vn_timestamp(value text)
returns timestamptz
language plpgsql
stable
as $$
declare
    v text := btrim(value);
begin
    if v is null or v = '' then
        return null;
    end if;
    if v ~ '^\d{1,2}/\d{1,2}/\d{4}$' then
        return to_timestamp(v, 'DD/MM/YYYY')::timestamp at time zone 'Asia/Ho_Chi_Minh';
    end if;
    if v ~ '^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$' then
        return to_timestamp(v, 'DD/MM/YYYY HH24:MI')::timestamp
            at time zone 'Asia/Ho_Chi_Minh';
    end if;
    if v ~ '^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}$' then
        return to_timestamp(v, 'DD/MM/YYYY HH24:MI:SS')::timestamp
            at time zone 'Asia/Ho_Chi_Minh';
    end if;
    if v ~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$' then
        return v::timestamp at time zone 'Asia/Ho_Chi_Minh';
    end if;
    if v ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$' then
        return v::timestamptz;
    end if;
    raise exception 'not a timestamp: %', v using errcode = '22007';
end
$$;

-- The same, null where the text is not a timestamp (for validation queries).
create or replace function meta.try_parse_vn_timestamp(value text)
returns timestamptz
language plpgsql
stable
as $$
begin
    return meta.parse_vn_timestamp(value);
exception when others then
    return null;
end
$$;

grant execute on function meta.parse_vn_timestamp(text), meta.try_parse_vn_timestamp(text)
to loader, transformer;

alter table raw.public_services
add column if not exists results_electronic bigint,
add column if not exists dossiers_digitised bigint,
add column if not exists dossiers_with_fees bigint,
add column if not exists paid_online bigint,
add column if not exists handled bigint,
add column if not exists dissatisfied bigint;
