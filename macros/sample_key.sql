{#- A 64-bit hash of a key: the K-means samples are the customers with the smallest hashes mixed with
    the seed. -#}
{% macro sample_key(expression) %}
    {{- return(adapter.dispatch('sample_key')(expression)) -}}
{% endmacro %}

{% macro default__sample_key(expression) %}
    {{- exceptions.raise_compiler_error("sample_key is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__sample_key macro returning a 64-bit hash.") -}}
{% endmacro %}

{% macro duckdb__sample_key(expression) %}
    hash({{ expression }})
{% endmacro %}

{#- A signed 64-bit hash: the samples hold other customers than DuckDB's when there are more customers
    than the sample sizes, as seeds of one engine do. -#}
{% macro spark__sample_key(expression) %}
    xxhash64({{ expression }})
{% endmacro %}
