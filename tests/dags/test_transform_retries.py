"""The transform DAG runs dbt once (Cosmos watcher mode): a model that fails fails its
own task and the run, and the task's retry runs that model alone."""

from datetime import timedelta

import psycopg
import pytest

pytestmark = pytest.mark.dag

BROKEN = "dti_gaps"  # a leaf model: nothing else is skipped when it fails
TAGS = "when tag in ('CREATE TABLE', 'CREATE TABLE AS')"


def break_model(url: str, name: str) -> None:
    """Every attempt to create `name` fails and is counted; every relation created is
    logged (event triggers: the fault lives in the warehouse, not in the project)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table public.created (name text)")
        conn.execute("create sequence public.attempts")
        conn.execute(f"""
            create function public.fail_model() returns event_trigger language plpgsql as $$
            begin
                if current_query() ilike '%%"{name}__dbt_tmp"%%' then
                    perform nextval('public.attempts');  -- not rolled back with the raise
                    raise exception 'injected fault in {name}';
                end if;
            end $$""")
        conn.execute("""
            create function public.log_created() returns event_trigger language plpgsql as $$
            declare r record;
            begin
                for r in select * from pg_event_trigger_ddl_commands()
                         where command_tag like 'CREATE TABLE%%' loop
                    insert into public.created values (r.object_identity);
                end loop;
            end $$""")
        conn.execute(f"create event trigger fail_model on ddl_command_start {TAGS} "
                     "execute function public.fail_model()")
        conn.execute(f"create event trigger log_created on ddl_command_end {TAGS} "
                     "execute function public.log_created()")


def test_a_failed_model_fails_the_run_and_its_retry_runs_it_alone(built_dag_env):
    from dti.orchestration.runtime import load_dag

    break_model(built_dag_env, BROKEN)
    dag = load_dag("transform_and_score")
    for task in dag.tasks:
        task.retry_delay = timedelta(seconds=0)
    run = dag.test()
    tries = {ti.task_id.removeprefix("dbt."): (str(ti.state).rsplit(".", 1)[-1], ti.try_number)
             for ti in run.get_task_instances()}

    assert str(run.state).endswith("failed")
    assert tries["dbt_producer_watcher"] == ("failed", 1)  # one `dbt build`, not retried
    assert tries[f"{BROKEN}.run"] == ("failed", 2)
    assert tries["dim_agencies.run"] == ("success", 1)
    assert tries["report_scores"][0] == "upstream_failed"
    # Retried: the broken model and the test tasks holding tests its failure skipped
    # (its own, and the relationship tests it shares with a seed); no other model.
    retried = {t for t, (_, n) in tries.items() if n > 1}
    assert {t for t in retried if not t.endswith(".test")} == {f"{BROKEN}.run"}
    with psycopg.connect(built_dag_env) as conn:
        # Two attempts at the broken model: the producer's and its task's retry ...
        assert conn.execute("select last_value from public.attempts").fetchone() == (2,)
        made = conn.execute("select split_part(name, '.', 2), count(*) from public.created "
                            "group by 1").fetchall()
    # ... and every other table was built once, by the producer.
    assert made and {n for _, n in made} == {1}


def test_a_run_whose_wait_failed_ends_without_waiting_for_the_build(dag_env, monkeypatch):
    """The producer never ran (the task before it failed): the node tasks are skipped,
    not left waiting for events of a build that never happened."""
    from dti.orchestration.runtime import load_dag

    monkeypatch.setenv("DTI_SETTLE_MAX_SECONDS", "soon")  # wait_for_loads fails on it
    dag = load_dag("transform_and_score")
    for task in dag.tasks:
        task.retry_delay = timedelta(seconds=0)
    run = dag.test()
    states = {ti.task_id.removeprefix("dbt."): str(ti.state).rsplit(".", 1)[-1]
              for ti in run.get_task_instances()}

    assert str(run.state).endswith("failed")
    assert states.pop("wait_for_loads") == "failed"
    assert states.pop("dbt_producer_watcher") == "upstream_failed"
    assert states.pop("publish_marts") == "upstream_failed"
    nodes = {t: s for t, s in states.items() if t.endswith((".run", ".test", ".seed"))}
    assert len(nodes) > 60 and set(nodes.values()) <= {"skipped", "upstream_failed"}
