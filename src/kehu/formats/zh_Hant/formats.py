# Traditional Chinese: the same formats as zh_Hans, with the traditional characters users type.
from kehu.formats.zh_Hans.formats import *  # noqa: F403
from kehu.formats.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DATETIME_INPUT_FORMATS

TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%H時%M分", "%H點%M分"]
DATETIME_INPUT_FORMATS = [f.replace("时", "時") for f in _DATETIME_INPUT_FORMATS]
