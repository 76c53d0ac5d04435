__version__ = "0.1.0"

# `import workbench` fills every registry of `workbench.core` (QUANTIZERS with every number format, CALIBRATORS,
# METHODS) and the reference models: each entry is registered by the module that defines it, imported here.
from . import core, quantizers, formats, quantize, training, models, methods, dit, dit_quant, jobs  # noqa: E402,F401
