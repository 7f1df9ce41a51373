"""The transform DAG runs dbt once (Cosmos watcher mode): a model that fails fails its
own task and the run, and the task's retry runs that model alone."""

from datetime import timedelta

import psycopg
import pytest

pytestmark = pytest.mark.dag

BROKEN = "dti_gaps"  # a leaf model: nothing else is skipped when it fails
TAGS = "when tag in ('CREATE TABLE', 'CREATE TABLE AS')"


def log_creations(conn: psycopg.Connection) -> None:
    """Every relation created is logged (event triggers: the faults below live in the
    warehouse, not in the project)."""
    conn.execute("create table public.created (name text)")
    conn.execute("""
        create function public.log_created() returns event_trigger language plpgsql as $$
        declare r record;
        begin
            for r in select * from pg_event_trigger_ddl_commands()
                     where command_tag like 'CREATE TABLE%%' loop
                insert into public.created values (r.object_identity);
            end loop;
        end $$""")
    conn.execute(f"create event trigger log_created on ddl_command_end {TAGS} "
                 "execute function public.log_created()")


def created_once_each(url: str) -> bool:
    with psycopg.connect(url) as conn:
        made = conn.execute("select split_part(name, '.', 2), count(*) from public.created "
                            "group by 1").fetchall()
    return bool(made) and {n for _, n in made} == {1}


def break_model(url: str, name: str) -> None:
    """Every attempt to create `name` fails and is counted."""
    with psycopg.connect(url, autocommit=True) as conn:
        log_creations(conn)
        conn.execute("create sequence public.attempts")
        conn.execute(f"""
            create function public.fail_model() returns event_trigger language plpgsql as $$
            begin
                if current_query() ilike '%%"{name}__dbt_tmp"%%' then
                    perform nextval('public.attempts');  -- not rolled back with the raise
                    raise exception 'injected fault in {name}';
                end if;
            end $$""")
        conn.execute(f"create event trigger fail_model on ddl_command_start {TAGS} "
                     "execute function public.fail_model()")


def repeat_a_row_in(url: str, name: str) -> None:
    """`name` builds, but one of its rows lands twice, so its `unique` test fails."""
    with psycopg.connect(url, autocommit=True) as conn:
        log_creations(conn)
        conn.execute("""
            create function public.repeat_a_row() returns trigger language plpgsql as $$
            begin
                if pg_trigger_depth() = 1 then
                    execute format('insert into %I.%I select * from %I.%I limit 1',
                                   tg_table_schema, tg_table_name, tg_table_schema, tg_table_name);
                end if;
                return null;
            end $$""")
        conn.execute(f"""
            create function public.arm_model() returns event_trigger language plpgsql as $$
            declare r record;
            begin
                for r in select * from pg_event_trigger_ddl_commands()
                         where object_identity like '%%.{name}__dbt_tmp' loop
                    execute format('create trigger repeat_a_row after insert on %s '
                                   'for each statement execute function public.repeat_a_row()',
                                   r.object_identity);
                end loop;
            end $$""")
        conn.execute(f"create event trigger arm_model on ddl_command_end {TAGS} "
                     "execute function public.arm_model()")


def run_transform() -> tuple[str, dict[str, tuple[str, int]]]:
    """A `dag.test()` of the transform DAG, retries at once: its state, and each task's
    state and tries."""
    from dti.orchestration.runtime import load_dag

    dag = load_dag("transform_and_score")
    for task in dag.tasks:
        task.retry_delay = timedelta(seconds=0)
    run = dag.test()
    tries = {ti.task_id.removeprefix("dbt."): (str(ti.state).rsplit(".", 1)[-1], ti.try_number)
             for ti in run.get_task_instances()}
    return str(run.state).rsplit(".", 1)[-1], tries


def test_a_failed_model_fails_the_run_and_its_retry_runs_it_alone(built_dag_env):
    break_model(built_dag_env, BROKEN)
    state, tries = run_transform()

    assert state == "failed"
    assert tries["dbt_producer_watcher"] == ("failed", 1)  # one `dbt build`, not retried
    assert tries[f"{BROKEN}_model_build"] == ("failed", 2)
    assert tries["dim_agencies_model_build"] == ("success", 1)
    assert tries["report_scores"][0] == "upstream_failed"
    # Retried: the broken model, and the seeds whose relationship tests with it its
    # failure skipped (their retry runs those tests, the seed itself is not reloaded);
    # no other model.
    retried = {t for t, (_, n) in tries.items() if n > 1}
    assert {t for t in retried if not t.endswith("_seed_build")} == {f"{BROKEN}_model_build"}
    assert all(tries[t] == ("success", 2) for t in retried - {f"{BROKEN}_model_build"})
    with psycopg.connect(built_dag_env) as conn:
        # Two attempts at the broken model: the producer's and its task's retry ...
        assert conn.execute("select last_value from public.attempts").fetchone() == (2,)
    # ... and every other table was built once, by the producer.
    assert created_once_each(built_dag_env)


def test_a_failed_test_fails_its_models_task_and_the_retry_runs_the_tests_alone(
        built_dag_env):
    """No task of its own for a test: the model's task fails with it, and so does the
    run; the retry runs the model's tests again, not the model."""
    repeat_a_row_in(built_dag_env, BROKEN)
    state, tries = run_transform()

    assert state == "failed"
    assert tries["dbt_producer_watcher"] == ("failed", 1)
    assert tries[f"{BROKEN}_model_build"] == ("failed", 2)
    assert tries["report_scores"][0] == "upstream_failed"
    assert {t for t, (_, n) in tries.items() if n > 1} == {f"{BROKEN}_model_build"}
    assert created_once_each(built_dag_env)  # the broken model too: built once, tested twice


def test_a_run_whose_wait_failed_ends_without_waiting_for_the_build(dag_env, monkeypatch):
    """The producer never ran (the task before it failed): the node tasks are skipped,
    not left waiting for events of a build that never happened."""
    monkeypatch.setenv("DTI_SETTLE_MAX_SECONDS", "soon")  # wait_for_loads fails on it
    state, tries = run_transform()
    states = {task: s for task, (s, _) in tries.items()}

    assert state == "failed"
    assert states.pop("wait_for_loads") == "failed"
    assert states.pop("dbt_producer_watcher") == "upstream_failed"
    assert states.pop("publish_marts") == "upstream_failed"
    nodes = {t: s for t, s in states.items() if t.endswith(("_model_build", "_seed_build"))}
    assert len(nodes) > 40 and set(nodes.values()) <= {"skipped", "upstream_failed"}
