-- One row per task and source: the loader keeps the newest observation of a task seen in
-- several raw files. A rule rather than a primary key on core__tasks, whose index made loading
-- 100 M tasks take 245 s and 11 GB (see bench/results.md); this check runs once per build.
select source_id, task_id, count(*) as n_rows
from core__tasks
group by source_id, task_id
having count(*) > 1
