-- core__tasks has one row per source and task.
select source_id, task_id, count(*) as n_rows
from core__tasks
group by source_id, task_id
having count(*) > 1
