-- The daily rows of the OLI files (stg__oli_rows), each with the rank of its file and of the
-- file that gives its day of the series. The files whose names say they are of a series
-- (bcountrydata_…, worker_countrydata_…: the raw store checked their columns against that)
-- are one series: a day that several of them give is taken from one file only, so that no day
-- is counted twice. The dated deposit comes first (one deposit of a series is loaded, the
-- newest), then the file whose rows reach the later day, then the later name. A file whose
-- name gives no series is a series of its own. core__tallies keeps the rows where
-- file_order = newest_order; core__rejects lists the others as superseded. Portable SQL: Spark
-- runs it as it is.
with

oli_files as (
    select
        source_id,
        kind,
        file_name,
        -- the series a file is of: its kind when its name says so, else the file itself
        case
            when regexp_extract(lower(file_name), '^(bcountrydata|worker_countrydata)[_-]', 0) <> ''
                then kind
            else file_name
        end as series,
        -- a deposit's name gives its date right after the series (bcountrydata_2016-07-10…)
        regexp_extract(
            lower(file_name),
            '^(bcountrydata|worker_countrydata)[_-][0-9]{4}-[0-9]{2}-[0-9]{2}',
            0
        ) <> '' as is_deposit,
        max(day) as last_day
    from stg__oli_rows
    group by source_id, kind, file_name
),

ranked_files as (
    select
        *,
        row_number() over (
            partition by source_id, series
            order by is_deposit desc, last_day desc, file_name desc
        ) as file_order
    from oli_files
),

oli_rows as (
    select stg__oli_rows.*, ranked_files.series, ranked_files.file_order
    from stg__oli_rows
    inner join ranked_files
        on stg__oli_rows.source_id = ranked_files.source_id
        and stg__oli_rows.kind = ranked_files.kind
        and stg__oli_rows.file_name = ranked_files.file_name
),

shared_days as (
    -- the days given by more than one file of a series, with the first of those files
    select source_id, series, day, min(file_order) as newest_order
    from oli_rows
    group by source_id, series, day
    having min(file_order) < max(file_order)
),

ranked as (
    select
        oli_rows.*,
        coalesce(shared_days.newest_order, oli_rows.file_order) as newest_order
    from oli_rows
    left join shared_days
        on oli_rows.source_id = shared_days.source_id
        and oli_rows.series = shared_days.series
        and oli_rows.day = shared_days.day
),

final as (
    select ranked.*, newest.file_name as newest_file_name
    from ranked
    inner join ranked_files as newest
        on ranked.source_id = newest.source_id
        and ranked.series = newest.series
        and ranked.newest_order = newest.file_order
)

select * from final
