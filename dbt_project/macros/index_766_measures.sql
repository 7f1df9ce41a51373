{#- The dossier and procedure counts the 766 items divide (seed index_766_items names
    its numerator and denominator among them): summed over a unit and period before
    any ratio is taken. -#}
{% macro index_766_measures() -%}
    {{ return([
        'received_total', 'received_online', 'received_full_online',
        'received_of_full_online_procedures', 'dossiers_in_time', 'dossiers_due',
        'results_electronic', 'resolved_with_document_result', 'dossiers_digitised',
        'handled', 'handled_satisfied', 'dossiers_with_fees', 'paid_online',
        'procedures_with_fees', 'procedures_with_online_payment',
        'procedures_with_fee_dossiers', 'procedures_to_publish',
        'procedures_published_on_time', 'dossiers_synced', 'dossiers_progress_published',
        'petitions_due', 'petitions_handled_on_time', 'petitions_rated',
        'petitions_satisfied', 'copies_certified', 'copies_certified_electronic',
        'dossiers_reusing_data', 'results_shared', 'dossiers_population_verified',
        'dossiers_population_prefilled'
    ]) }}
{%- endmacro %}
