# BIG-Bench Hard's 27 tasks, split by how their answers are read: multiple-choice tasks answer with an
# option in brackets ("(C)"), free-form tasks with a word, number or sequence. Imported by bbh_gen.
bbh_multiple_choice_tasks = [
    'temporal_sequences', 'disambiguation_qa', 'date_understanding', 'tracking_shuffled_objects_three_objects',
    'penguins_in_a_table', 'geometric_shapes', 'snarks', 'ruin_names', 'tracking_shuffled_objects_seven_objects',
    'tracking_shuffled_objects_five_objects', 'logical_deduction_three_objects', 'hyperbaton',
    'logical_deduction_five_objects', 'logical_deduction_seven_objects', 'movie_recommendation',
    'salient_translation_error_detection', 'reasoning_about_colored_objects',
]
bbh_free_form_tasks = [
    'multistep_arithmetic_two', 'navigate', 'dyck_languages', 'word_sorting', 'sports_understanding',
    'boolean_expressions', 'object_counting', 'formal_fallacies', 'causal_judgement', 'web_of_lies',
]
