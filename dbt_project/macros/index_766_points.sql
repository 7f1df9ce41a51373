{#- The 766 point conversions (docs/methodology.md §4) over one row of dossier counts of a
    unit and period, `src` being the relation holding them: an agency month, or sums
    over a province, a quarter or a year (ratios of sums, never means of ratios). -#}
{% macro index_766_points(src) -%}
{{ src }}.dossiers_in_time as progress_numerator,
{{ src }}.dossiers_due as progress_denominator,
-- Progress (tiến độ), 20: 20 x ratio.
round(20 * {{ safe_ratio(src ~ '.dossiers_in_time', src ~ '.dossiers_due') }}, 4)
    as progress_points,
-- Digitisation (số hóa): e-results 6, digitised dossiers 4, each Pmax x ratio.
{{ capped_points(6, '6 * ' ~ safe_ratio(
    src ~ '.results_electronic',
    src ~ '.resolved_early + ' ~ src ~ '.resolved_on_time + ' ~ src ~ '.resolved_late'
)) }} as e_results_points,
{{ capped_points(4, '4 * ' ~ safe_ratio(src ~ '.dossiers_digitised',
                                        src ~ '.received_total')) }} as digitised_points,
-- Dossier-handling satisfaction, 6: 0 with no dossiers, full marks from 90%.
case
    when {{ src }}.handled = 0 then 0
    else {{ capped_points(6, '6 * ' ~ safe_ratio(
        src ~ '.handled - ' ~ src ~ '.dissatisfied', src ~ '.handled') ~ ' / 0.90') }}
end as satisfaction_points,
-- Online payment, 10 = 6A + min(2, 2.5B) + 2.5C: only A is measurable from dossier
-- counts (B and C need procedure lists), so this is the 6A part.
round(6 * {{ safe_ratio(src ~ '.paid_online', src ~ '.dossiers_with_fees') }}, 4)
    as online_payment_a_points,
-- Online services, 12: formula not confirmed [U]; 12 x full-process share.
round(12 * {{ safe_ratio(src ~ '.received_full_online', src ~ '.received_online') }}, 4)
    as online_services_points_unconfirmed
{% endmacro %}
