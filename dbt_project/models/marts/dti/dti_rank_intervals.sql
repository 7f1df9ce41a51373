-- Sensitivity of the ranks to the weights (OECD/JRC handbook; docs/methodology.md §5):
-- in each of `dti_mc_draws` draws every main-index weight is scaled by a factor
-- uniform in [1 - spread, 1 + spread] (`dti_mc_spread`, default 0.25), weights are
-- renormalised, units re-scored and re-ranked. The draws come from md5 of the seed
-- (`dti_mc_seed`), the draw and the main index: the same seed gives the same
-- intervals on any machine. Official-mode values.
with

main_scores as (
    select * from {{ ref('dti_main_index_scores') }}
    where scoring_mode = 'official'
),

draws as (
    select draw from generate_series(1, {{ var('dti_mc_draws') }}) as draw
),

weights as (
    select
        main.methodology_id,
        main.main_index_code,
        draws.draw,
        main.weight * (
            1 + {{ var('dti_mc_spread') }} * (
                2 * (('x' || substr(md5(
                    '{{ var("dti_mc_seed") }}:' || draws.draw || ':' || main.methodology_id
                    || ':' || main.main_index_code
                ), 1, 8))::bit(32)::bigint / 4294967296.0) - 1
            )
        ) as weight
    from {{ ref('dti_main_indices') }} as main
    cross join draws
    where main.is_scored
),

drawn_scores as (
    select
        main_scores.methodology_id,
        main_scores.unit_level,
        main_scores.unit_id,
        main_scores.assessment_year,
        weights.draw,
        {{ dti_value('weights.weight', 'main_scores.main_index_value', normalised=true) }}
            as dti_value
    from main_scores
    inner join weights
        on
            main_scores.methodology_id = weights.methodology_id
            and main_scores.main_index_code = weights.main_index_code
    group by
        main_scores.methodology_id,
        main_scores.unit_level,
        main_scores.unit_id,
        main_scores.assessment_year,
        weights.draw
),

drawn_ranks as (
    select
        *,
        rank() over (
            partition by methodology_id, unit_level, assessment_year, draw
            order by dti_value desc
        ) as draw_rank
    from drawn_scores
)

select
    methodology_id || '|' || unit_level || '|' || unit_id || '|' || assessment_year
        as rank_interval_id,
    methodology_id,
    unit_level,
    unit_id,
    assessment_year,
    count(*)::integer as draws,
    {{ var('dti_mc_seed') }}::integer as seed,
    {{ var('dti_mc_spread') }}::numeric as weight_spread,
    percentile_disc(0.5) within group (order by draw_rank)::integer as median_rank,
    percentile_disc(0.05) within group (order by draw_rank)::integer as rank_p05,
    percentile_disc(0.95) within group (order by draw_rank)::integer as rank_p95,
    min(draw_rank)::integer as best_rank,
    max(draw_rank)::integer as worst_rank
from drawn_ranks
group by methodology_id, unit_level, unit_id, assessment_year
