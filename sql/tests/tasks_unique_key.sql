-- core__tasks has one row per source and task (a rule, not a primary key: the key cost
-- 2-3x the loading time and 5x the file at 10 M tasks, bench/results.md). Task ids are grouped by
-- their 64-bit hash, which holds a quarter less memory than the ids themselves; only ids whose
-- hash repeats are compared as text, so a hash collision is never reported as a repeated task.
with

hashed as (
    select source_id, hash(task_id) as task_hash
    from core__tasks
),

repeated_hashes as (
    select source_id, task_hash
    from hashed
    group by source_id, task_hash
    having count(*) > 1
),

final as (
    select core__tasks.source_id, core__tasks.task_id, count(*) as n_rows
    from core__tasks
    inner join repeated_hashes
        on core__tasks.source_id = repeated_hashes.source_id
        and hash(core__tasks.task_id) = repeated_hashes.task_hash
    group by core__tasks.source_id, core__tasks.task_id
    having count(*) > 1
)

select * from final
