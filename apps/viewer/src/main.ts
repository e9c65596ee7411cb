/** Entry point of the viewer page. */
import './styles.css';
import { ViewerApp } from './app';

void new ViewerApp().start();
