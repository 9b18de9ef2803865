-- The build summary: for one source ($source_id), each OLI file some of whose days another
-- file of its series gives (sql/int/int__oli_rows_ranked.sql): the rows it loses (those
-- core__rejects lists as superseded), the days, the first days, and what each of the two
-- files gives on those days (projects or weighted workers), so that both sides are seen.
with

replaced as (
    select *
    from int__oli_rows_ranked
    where source_id = $source_id and file_order > newest_order
),

replaced_days as (
    select distinct file_name, newest_file_name, series, day
    from replaced
),

newer_totals as (
    select
        replaced_days.file_name,
        replaced_days.newest_file_name,
        sum(case when newer.counted then newer.amount else 0 end) as newer_total
    from replaced_days
    inner join int__oli_rows_ranked as newer
        on newer.source_id = $source_id
        and newer.file_name = replaced_days.newest_file_name
        and newer.series = replaced_days.series
        and newer.day = replaced_days.day
    group by replaced_days.file_name, replaced_days.newest_file_name
),

day_lists as (
    select
        file_name,
        newest_file_name,
        count(*) as n_days,
        list(strftime(day, '%Y-%m-%d') order by day) as all_days
    from replaced_days
    group by file_name, newest_file_name
),

older_totals as (
    select
        file_name,
        newest_file_name,
        -- the rows core__rejects lists as superseded: those the parse did not reject already
        count(*) filter (where country_code is not null and occupation is not null) as n_rows,
        sum(case when counted then amount else 0 end) as older_total
    from replaced
    group by file_name, newest_file_name
),

final as (
    select
        older_totals.file_name as older,
        older_totals.newest_file_name as newer,
        older_totals.n_rows as rows,
        day_lists.n_days as keys,
        day_lists.all_days[1:5] as first_keys,
        round(older_totals.older_total, 6) as older_total,
        round(coalesce(newer_totals.newer_total, 0), 6) as newer_total
    from older_totals
    inner join day_lists
        on older_totals.file_name = day_lists.file_name
        and older_totals.newest_file_name = day_lists.newest_file_name
    left join newer_totals
        on older_totals.file_name = newer_totals.file_name
        and older_totals.newest_file_name = newer_totals.newest_file_name
)

select * from final
order by older, newer
