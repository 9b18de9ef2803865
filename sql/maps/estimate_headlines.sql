-- For the index page: beside every estimated headline (source × year), what the estimate can be
-- cited as under $scheme (out__estimate_summary): the bounds the published shares set, the point
-- and the model behind it, what the estimate combines, and the error of the same procedure
-- measured on observed matrices cut to as many named countries. One row per source and year:
-- the estimate over all occupations ('unknown') when there is one.
with

summary as (
    select * from out__estimate_summary where scheme = $scheme
),

final as (
    select
        source_id,
        year,
        occupation,
        period_label,
        unit,
        buyers_named,
        sellers_named,
        named_pct,
        share_low_pct,
        share_high_pct,
        estimated_share_pct,
        model,
        prior,
        unnamed_model,
        typical_error_pp,
        max_error_pp,
        typical_pair_error_pp,
        matrices_measured,
        measured_on
    from summary
    qualify row_number() over (
        partition by source_id, year
        order by occupation <> 'unknown', occupation, period_label
    ) = 1
)

select * from final
order by source_id, year desc
