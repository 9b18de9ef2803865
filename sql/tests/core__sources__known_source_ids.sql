-- Every row points to a source that core__sources describes (and so can be cited).
with

used as (
    select distinct 'core__tasks' as used_in, source_id from core__tasks
    union all
    select distinct 'core__tallies', source_id from core__tallies
    union all
    select distinct 'core__claims', source_id from core__claims
    union all
    select distinct 'core__country_groups', source_id from core__country_groups
    union all
    select distinct 'out__flows', source_id from out__flows
),

final as (
    select used.*
    from used
    left join core__sources on used.source_id = core__sources.source_id
    where core__sources.source_id is null
)

select * from final
