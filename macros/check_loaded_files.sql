{#- Stops the build, before any table changes, when the vars that shape the lines (source_path among
    them) changed since the files were loaded, or a file already loaded from the glob changed or
    disappeared: their lines are in the per-file tables, and only a full refresh can take them out. -#}
{% macro check_loaded_files(loaded_relation) %}
    {%- set glob = sql_string(var('source_path')) -%}
    {%- set query -%}
        select
            loaded.path,
            case
                when current_files.filename is null then 'disappeared'
                else 'changed (size ' || loaded.size_bytes || ' -> ' || current_files.size
                    || ' bytes, modified ' || loaded.modified_at || ' -> ' || current_files.last_modified || ')'
            end as what,
            loaded.loaded_at
        from {{ loaded_relation }} as loaded
        left join read_blob({{ glob }}) as current_files on loaded.path = current_files.filename
        where
            current_files.filename is null
            or loaded.size_bytes != current_files.size
            or loaded.modified_at != current_files.last_modified
        order by loaded.path
        limit 1
    {%- endset -%}
    {%- set how = " The loaded lines are in the tables: run `make build FULL_REFRESH=1` (or `dbt build --full-refresh`) to rebuild from the files as they are now; nothing was changed." -%}
    {%- set stored = run_query("select any_value(load_settings) from " ~ loaded_relation).columns[0].values()[0] -%}
    {%- if stored is not none and stored != load_settings() -%}
        {%- set before = fromjson(stored) -%}
        {%- set now = fromjson(load_settings()) -%}
        {%- set changed = [] -%}
        {%- for name in now if before.get(name) != now[name] -%}
            {%- do changed.append(name ~ " (" ~ before.get(name) ~ " -> " ~ now[name] ~ ")") -%}
        {%- endfor -%}
        {{- exceptions.raise_compiler_error("The vars that shape the loaded lines changed since the files were loaded: " ~ changed | join(", ") ~ "." ~ how) -}}
    {%- endif -%}
    {%- for path, what, loaded_at in run_query(query).rows -%}
        {{- exceptions.raise_compiler_error("The file " ~ path ~ ", loaded on " ~ loaded_at ~ ", " ~ what ~ " since." ~ how) -}}
    {%- endfor -%}
{% endmacro %}
