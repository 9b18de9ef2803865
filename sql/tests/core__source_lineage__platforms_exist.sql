-- Every platform a source's derived_from names is the platform of some of its rows: a
-- mapping entry no row carries (a misspelt label) would leave those rows counted as the
-- source's own data, and so as an independent vote in the claims check.
with

lineage as (
    select source_id, platform, derived_from from core__source_lineage where platform is not null
),

used as (
    select distinct source_id, platform from core__tallies
    union
    select distinct source_id, platform from core__tasks
),

final as (
    select lineage.*
    from lineage
    left join used on lineage.source_id = used.source_id and lineage.platform = used.platform
    where used.source_id is null
)

select * from final
