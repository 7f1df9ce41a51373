-- Published main-index values in long form, one row per imported row and main index,
-- so every methodology fits (DTI-2020 scores three pillars, 922 nine main indices, 405
-- eight).
create table if not exists meta.published_dti_values (
    import_id bigint not null,
    row_number integer not null,
    main_index_code text not null,
    main_index_value numeric not null,
    primary key (import_id, row_number, main_index_code),
    foreign key (import_id, row_number)
    references meta.published_dti (import_id, row_number) on delete cascade
);

insert into meta.published_dti_values
select
    p.import_id,
    p.row_number,
    v.main_index_code,
    v.main_index_value
from meta.published_dti as p
cross join
    lateral (
        values
        ('nhan_thuc_so', p.nhan_thuc_so),
        ('the_che_so', p.the_che_so),
        ('ha_tang_so', p.ha_tang_so),
        ('nhan_luc_so', p.nhan_luc_so),
        ('an_toan_thong_tin_mang', p.an_toan_thong_tin_mang),
        ('hd_chinh_quyen_so', p.hd_chinh_quyen_so),
        ('hd_kinh_te_so', p.hd_kinh_te_so),
        ('hd_xa_hoi_so', p.hd_xa_hoi_so)
    ) as v (main_index_code, main_index_value)
where v.main_index_value is not null
on conflict do nothing;

alter table meta.published_dti
drop column if exists nhan_thuc_so,
drop column if exists the_che_so,
drop column if exists ha_tang_so,
drop column if exists nhan_luc_so,
drop column if exists an_toan_thong_tin_mang,
drop column if exists hd_chinh_quyen_so,
drop column if exists hd_kinh_te_so,
drop column if exists hd_xa_hoi_so;

grant select, insert, delete on meta.published_dti_values to loader;
grant select on meta.published_dti_values to transformer;
