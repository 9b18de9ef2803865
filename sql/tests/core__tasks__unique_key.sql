-- core__tasks has one row per source and task (a rule, not a primary key: the key cost 2-3x the
-- loading time and 5x the file at 10 M tasks, bench/results.md). Task ids are compared by their
-- 64-bit hash, in sorted order, each with the one before it: a sort spills to disk as it grows,
-- where grouping 100 M distinct ids held 8 GB in memory. Only ids whose hash repeats are
-- compared as text, so a hash collision is never reported as a repeated task.
with

hashed as (
    select hash(source_id, task_id) as task_hash
    from core__tasks
),

neighbours as (
    -- one sort of the whole table, not one per source: DuckDB sorts a single ordered window
    -- on every core, and 29 s became 7 s at 100 M tasks
    select task_hash, lag(task_hash) over (order by task_hash) as previous_hash
    from hashed
),

repeated_hashes as (
    select distinct task_hash
    from neighbours
    where task_hash = previous_hash
),

final as (
    select core__tasks.source_id, core__tasks.task_id, count(*) as n_rows
    from core__tasks
    inner join repeated_hashes
        on hash(core__tasks.source_id, core__tasks.task_id) = repeated_hashes.task_hash
    group by core__tasks.source_id, core__tasks.task_id
    having count(*) > 1
)

select * from final
