"""The network: built with the Keras 3 API only, fed batches cut on the fly, trained, saved byte-reproducibly."""
