"""evalkit's inference engine: drives a transformers decoder directly, so shared work is done once.

The model wrappers (``evalkit.models.huggingface``) turn prompts into token ids and hand
them here; nothing in this package knows about prompts, datasets or configs.

Map, from the bottom up:

* ``backbone``     - the decoder stack and output head called separately; the attention
                     that lets every row see one shared prefix; preallocated KV buffers.
* ``planning``     - de-duplicate a bulk call and find shared prefixes (runs) and shared
                     contexts (groups).
* ``prefix_cache`` - keys/values of shared prefixes, computed once, kept across calls (LRU).
* ``batching``     - how many rows go into one forward (fixed, or ``'auto'`` by memory
                     estimate with halving on out-of-memory).
* ``scoring``      - per-token log-probabilities (PPL and log-likelihood inferencers).
* ``generation``   - greedy decoding with continuous batching (generation inferencer).

``ENGINE_VERSION`` changes whenever the numbers these modules produce can change (a
kernel, an order of summation, a stopping rule): stored predictions made by another
version are not reused.
"""

ENGINE_VERSION = 2  # 2: groups packed by their width after the shared prefix
