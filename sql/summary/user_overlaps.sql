-- The build summary and `make raw`: for one source ($source_id), each file some of whose flow
-- keys (pair, year, platform, occupation) a more recently imported file gives
-- (sql/int/int__user_rows_ranked.sql): the rows and keys it loses, the first keys, and what
-- each of the two files gives for those keys, so that the user sees both sides of the rule.
with

replaced as (
    select *
    from int__user_rows_ranked
    where source_id = $source_id and file_order > newest_order
),

replaced_keys as (
    select distinct
        file_name,
        newest_file_name,
        buyer_country_code,
        seller_country_code,
        year,
        platform,
        occupation
    from replaced
),

newer_totals as (
    -- what the newer file gives for the keys it takes from the older one
    select
        replaced_keys.file_name,
        replaced_keys.newest_file_name,
        sum(newer.amount) as newer_total
    from replaced_keys
    inner join int__user_rows_ranked as newer
        on newer.source_id = $source_id
        and newer.file_name = replaced_keys.newest_file_name
        and newer.buyer_country_code = replaced_keys.buyer_country_code
        and newer.seller_country_code = replaced_keys.seller_country_code
        and newer.year = replaced_keys.year
        and newer.platform = replaced_keys.platform
        and newer.occupation = replaced_keys.occupation
    group by replaced_keys.file_name, replaced_keys.newest_file_name
),

key_lists as (
    select
        file_name,
        newest_file_name,
        count(*) as n_keys,
        list(
            buyer_country_code || '->' || seller_country_code || ' '
            || cast(year as varchar) || ' (' || platform || ', ' || occupation || ')'
            order by year, buyer_country_code, seller_country_code, platform, occupation
        ) as all_keys
    from replaced_keys
    group by file_name, newest_file_name
),

older_totals as (
    select file_name, newest_file_name, count(*) as n_rows, sum(amount) as older_total
    from replaced
    group by file_name, newest_file_name
),

final as (
    select
        older_totals.file_name as older,
        older_totals.newest_file_name as newer,
        older_totals.n_rows as rows,
        key_lists.n_keys as keys,
        key_lists.all_keys[1:5] as first_keys,
        round(older_totals.older_total, 6) as older_total,
        round(coalesce(newer_totals.newer_total, 0), 6) as newer_total
    from older_totals
    inner join key_lists
        on older_totals.file_name = key_lists.file_name
        and older_totals.newest_file_name = key_lists.newest_file_name
    left join newer_totals
        on older_totals.file_name = newer_totals.file_name
        and older_totals.newest_file_name = newer_totals.newest_file_name
)

select * from final
order by older, newer
