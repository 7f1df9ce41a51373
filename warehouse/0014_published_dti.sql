-- Published DTI results imported by `dti reconcile`, to be recomputed and compared.
create table if not exists meta.published_dti (
    import_id bigint not null,
    row_number integer not null,
    province text not null,
    assessment_year integer not null,
    methodology_id text not null,
    nhan_thuc_so numeric,
    the_che_so numeric,
    ha_tang_so numeric,
    nhan_luc_so numeric,
    an_toan_thong_tin_mang numeric,
    hd_chinh_quyen_so numeric,
    hd_kinh_te_so numeric,
    hd_xa_hoi_so numeric,
    published_dti numeric,
    published_rank integer,
    imported_at timestamptz not null default now(),
    primary key (import_id, row_number)
);

grant select, insert, delete on meta.published_dti to loader;
grant select on meta.published_dti to transformer;
