-- The curated claims, as staged: each claim × party with what the review found the claim says
-- of it (market, proposition and the words that justify it, the M49 area of a region).
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
        location,
        market,
        proposition,
        proposition_words,
        proposition_words_en,
        stated_share_pct,
        scope,
        region_m49,
        region_definition,
        review_note
    from claims
)

select * from final
