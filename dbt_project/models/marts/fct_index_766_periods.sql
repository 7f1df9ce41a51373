-- The 766 index per unit and period at every grain (agency or province; month,
-- quarter, year): the items of fct_index_766_items side by side, each group's points,
-- the total out of 100 with its rating, and competition ranks (ties share a rank, the
-- next is skipped) by total and by progress among the units of the same level,
-- province and period. A total over items some of which are not measured is the
-- points of those measured (items_not_measured says how many are missing) and gets
-- no rating.
with

items as (
    select * from {{ ref('fct_index_766_items') }}
),

unit_periods as (
    select * from {{ ref('int_index_766_unit_periods') }}
),

ratings as (
    select * from {{ ref('index_766_ratings') }}
),

pivoted as (
    select
        unit_level,
        unit_id,
        province_id,
        period_grain,
        period_start,
        {%- for item in ['tien_do', 'ket_qua_dien_tu', 'so_hoa', 'hai_long_ho_so',
                         'thanh_toan_a', 'dvc_toan_trinh'] %}
            max(points) filter (where item_code = '{{ item }}') as {{ item }}_points,
        {%- endfor %}
        max(numerator) filter (where item_code = 'tien_do') as progress_numerator,
        max(denominator) filter (where item_code = 'tien_do') as progress_denominator,
        {%- for group in ['cong_khai_minh_bach', 'tien_do_giai_quyet', 'dich_vu_truc_tuyen',
                          'muc_do_hai_long', 'so_hoa_ho_so'] %}
            sum(points) filter (where group_code = '{{ group }}') as {{ group }}_points,
        {%- endfor %}
        round(sum(points), 4) as total_points,
        count(*) filter (where points is null)::integer as items_not_measured
    from items
    group by unit_level, unit_id, province_id, period_grain, period_start
),

rated as (
    select
        pivoted.*,
        unit_periods.months_reported,
        unit_periods.portal_index_766_points,
        case when pivoted.items_not_measured = 0 then (
            select ratings.rating_code from ratings
            where ratings.min_points <= pivoted.total_points
            order by ratings.min_points desc
            limit 1
        ) end as rating_code
    from pivoted
    inner join unit_periods
        on
            pivoted.unit_level = unit_periods.unit_level
            and pivoted.unit_id = unit_periods.unit_id
            and pivoted.period_grain = unit_periods.period_grain
            and pivoted.period_start = unit_periods.period_start
)

select
    rated.unit_level || '|' || rated.unit_id || '|' || rated.period_grain || '|'
    || to_char(rated.period_start, 'YYYY-MM') as index_766_period_id,
    rated.unit_level,
    rated.unit_id,
    rated.province_id,
    rated.period_grain,
    rated.period_start,
    rated.months_reported,
    rated.progress_numerator,
    rated.progress_denominator,
    rated.tien_do_points as progress_points,
    {{ rank_when_known('rated.tien_do_points', ['rated.unit_level', 'rated.province_id',
                                          'rated.period_grain', 'rated.period_start'])
    }}::integer as progress_rank,
    rated.ket_qua_dien_tu_points as e_results_points,
    rated.so_hoa_points as digitised_points,
    rated.hai_long_ho_so_points as satisfaction_points,
    rated.thanh_toan_a_points as online_payment_a_points,
    rated.dvc_toan_trinh_points as online_services_points_unconfirmed,
    rated.cong_khai_minh_bach_points as transparency_points,
    rated.tien_do_giai_quyet_points as progress_group_points,
    rated.dich_vu_truc_tuyen_points as online_group_points,
    rated.muc_do_hai_long_points as satisfaction_group_points,
    rated.so_hoa_ho_so_points as digitisation_group_points,
    rated.total_points,
    rated.items_not_measured,
    {{ rank_when_known('rated.total_points', ['rated.unit_level', 'rated.province_id',
                                          'rated.period_grain', 'rated.period_start'])
    }}::integer as total_rank,
    rated.rating_code,
    ratings.name_vi as rating_vi,
    ratings.status as rating_status,
    rated.portal_index_766_points
from rated
left join ratings on rated.rating_code = ratings.rating_code
