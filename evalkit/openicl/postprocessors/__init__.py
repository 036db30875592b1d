"""Postprocessors: turn raw model output (or raw gold answers) into comparable answers.

Each is a small callable class so configs can parametrise it and validation can check its
arguments like any other component.  ``answers`` holds the general extractors, ``bbh`` and
``code`` those of one benchmark family.
"""
from evalkit.openicl.postprocessors.answers import (
                                                    FirstCapital,
                                                    FirstOption,
                                                    Gsm8kGold,
                                                    LastNumber,
                                                    MathAnswer,
                                                    OptionLetter,
)
from evalkit.openicl.postprocessors.bbh import BBHFreeformAnswer, BBHOptionAnswer
from evalkit.openicl.postprocessors.code import CodeBlock, MBPPCode

__all__ = ['BBHFreeformAnswer', 'BBHOptionAnswer', 'CodeBlock', 'FirstCapital', 'FirstOption', 'Gsm8kGold',
           'LastNumber', 'MBPPCode', 'MathAnswer', 'OptionLetter']
