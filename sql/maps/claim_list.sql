-- One row per claim: its statement, quote and provenance, and the markets it is about (one
-- per party, as reviewed: core__claims.market), for the claims map's legend.
-- Claims come in the order of their numbers (C1, C2 … C10, C11), not of their ids as text.
with

claims as (
    select * from core__claims
),

sources as (
    select * from core__sources
),

grouped as (
    select
        claim_id,
        min(source_id) as source_id,
        min(statement) as statement,
        min(quote) as quote,
        string_agg(distinct platform, ', ' order by platform) as platform,
        string_agg(distinct market, ', ' order by market) as markets,
        string_agg(distinct seed_file, ', ' order by seed_file) as seed_file,
        string_agg(distinct cited_study, '; ' order by cited_study) as cited_study
    from claims
    group by claim_id
),

final as (
    select
        grouped.*,
        sources.citation as source_citation
    from grouped
    left join sources on grouped.source_id = sources.source_id
)

select * from final
order by
    regexp_extract(claim_id, '^[^0-9]*'),
    try_cast(nullif(regexp_extract(claim_id, '[0-9]+'), '') as bigint) nulls first,
    claim_id
