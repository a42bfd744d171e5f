-- The model-selection curve marks exactly one k as chosen.
select count(*) as chosen_ks
from {{ ref('kmeans_model_selection') }}
where is_chosen
having count(*) != 1
