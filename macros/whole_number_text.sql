{#- Text with a whole number written with a decimal point ("10000.0") without it ("10000"). -#}
{% macro whole_number_text(text) %}
    {{- return(adapter.dispatch('whole_number_text')(text)) -}}
{% endmacro %}

{% macro default__whole_number_text(text) %}
    {{- exceptions.raise_compiler_error("whole_number_text is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__whole_number_text macro.") -}}
{% endmacro %}

{% macro duckdb__whole_number_text(text) %}
    regexp_replace({{ text }}, '^([0-9]+)\.0*$', '\1')
{%- endmacro %}

{#- Spark string literals read backslashes as escapes and Java regexes name groups $1. -#}
{% macro spark__whole_number_text(text) %}
    regexp_replace({{ text }}, '^([0-9]+)[.]0*$', '$1')
{%- endmacro %}
