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
