-- The curated claims, as staged.
with

claims as (
    select * from stg__curated_claims
),

final as (
    select
        claim_id,
        source_id,
        role,
        country_code,
        region_label,
        statement,
        quote,
        platform,
        seed_file,
        cited_study,
        location
    from claims
)

select * from final
