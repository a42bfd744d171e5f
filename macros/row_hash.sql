{#- A 64-bit hash of every column of a relation's row (a fingerprint of the row). -#}
{% macro row_hash(relation) %}
    {{- return(adapter.dispatch('row_hash')(relation)) -}}
{% endmacro %}

{% macro default__row_hash(relation) %}
    {{- exceptions.raise_compiler_error("row_hash is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__row_hash macro.") -}}
{% endmacro %}

{% macro duckdb__row_hash(relation) %}
    hash({{ relation }})
{%- endmacro %}

{#- A bigint: sums of them wrap alike on both sides of a comparison. -#}
{% macro spark__row_hash(relation) %}
    xxhash64({{ relation }}.*)
{%- endmacro %}
